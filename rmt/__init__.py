"""rmt: random matrices for the study of high-dimensional loss surfaces."""
