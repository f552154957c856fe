"""Stand-ins for the outside world that the tests and benches run as real local servers."""
