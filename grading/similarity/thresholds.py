"""copydetect's match lengths, named here so that the verb's --help needs no copydetect.

The values are copydetect's own defaults (``copydetect.defaults``); a test checks they agree.
"""

NOISE_THRESHOLD = 25  # k: shorter matches (in filtered characters) are noise
GUARANTEE_THRESHOLD = 25  # matches this long are always found
