"""Fiscal receipts through the seller's PRRO (Checkbox): connect, register, close shifts."""
