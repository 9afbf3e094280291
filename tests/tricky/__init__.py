"""Tests of the outputs crawlers and feed readers parse (head metadata, feeds, sitemaps),
run on content that tries to break their escaping (content.py)."""
