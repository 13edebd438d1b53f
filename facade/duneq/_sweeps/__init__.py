"""Parameter sweeps' resumable state and combined result, and the partitioned datasets that results
and sweeps are written as."""
