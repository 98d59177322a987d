import sys
from pathlib import Path

from hypothesis import settings

# Make ``tests/reference.py`` importable as ``reference`` from every test module.
sys.path.insert(0, str(Path(__file__).parent))

# Property tests run the same examples every time: a CI run must never flake on a new draw.
settings.register_profile("reproducible", derandomize=True, print_blob=True)
settings.load_profile("reproducible")
