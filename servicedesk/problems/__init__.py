"""Problem management (ITIL): one fault behind many incidents is one problem, with its root cause, workaround
and the one reviewed solution that fixes it; resolving the problem resolves its open incidents, each of which
still closes only through the close gate."""
