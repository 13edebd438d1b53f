"""Pure rules, the clock passed in: which failures are retried and after what delay, the adaptive poll
schedule and request rate limiter, and the billing table of the spec's operations."""
