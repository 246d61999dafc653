"""The rewrite job: a soft start-up built from the sender's own message."""
