"""The log pipeline's collecting half: parsers, sources, and the metrics counted from lines."""
