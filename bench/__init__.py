"""The benchmark: ``make bench`` (see ``bench/run.py``)."""
