"""Benchmarks (not tests): ``python -m bench <name>`` prints measured figures."""
