"""Django's transaction.atomic() as MongoDB multi-document transactions, for djongo-core.

Enabled per database with "transactions" in PLUGINS; see this distribution's README.md. The hook
implementations are in :mod:`djongo_transactions.plugin`, the transaction state of one Django
connection in :mod:`djongo_transactions.manager`.
"""
