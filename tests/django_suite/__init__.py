"""Django's own test suite run against djongo-core (layer 4 of the tests, docs/conformance.md).

`python -m tests.django_suite run ...` runs chosen modules of the suite from Django's source
distribution, one runtests.py process per module, records per-module counts in results.json and
per-test outcomes in outcomes/, and compares a run against them. The suite, the record and the
logs are the installed Django version's (results.py).
"""
