"""The Viber bot: a verified webhook (`webhook.py`) driving the seller's dialog (`dialog.py`)."""
