"""Composition roots: one per process kind (`chatpay web`, `telegram`, `worker`, `scheduler`), each
building only what that process uses, and `dev` for `chatpay up`, the only one that mounts the
sandbox. `cli` is the `chatpay` command that starts them."""
