"""Speed, scale and quality measurements; ``python -m benchmarks`` runs them all."""
