"""Risk area: compliance (banned claims and the word list), supply chain, competition, reputation and the review
classifier."""
