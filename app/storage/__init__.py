"""Storage (存储): database access, encryption at rest and the encrypted file store.

Personal data never reaches the disk in clear: ID numbers and photos go through encrypted columns
(:mod:`app.storage.crypto`) and scanned pages through the content-addressed store
(:mod:`app.storage.blobs`).
"""
