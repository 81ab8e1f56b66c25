"""django-mongodb-backend as the benchmark runs it on the embedded engine (see base.py)."""
