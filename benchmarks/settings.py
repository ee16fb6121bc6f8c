"""The project's own settings, serving the benchmark URLconf (the floor endpoint is added).

Everything else, including the database, comes from the environment exactly as in
opsassess.settings, so the benchmark measures the configuration that is deployed.
"""

from opsassess.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
