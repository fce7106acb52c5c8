"""Platform sync: protocol client, outbox sender and the reference platform (issue 8)."""
