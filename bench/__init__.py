"""Benchmarks: each module is a command (``python -m bench.<name>``) that prints its figures.

They are kept out of the pytest run; ``bench/run_all.sh`` runs them all and ``bench/RESULTS.md``
records the figures with the machine they ran on.
"""
