"""The eval suite (``invekto eval``): datasets, deepeval metrics, reports and release gates."""

import os

# deepeval reports usage to its vendor unless told not to; nothing of ours leaves the machine.
os.environ.setdefault("DEEPEVAL_TELEMETRY_OPT_OUT", "1")
os.environ.setdefault("DEEPEVAL_UPDATE_WARNING_OPT_IN", "0")
