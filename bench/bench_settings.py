"""The product's settings, with bench/baseline_views.py's URLconf (never in a deployment)."""

from xueshi.config.settings import *  # noqa: F403

ROOT_URLCONF = "baseline_views"
