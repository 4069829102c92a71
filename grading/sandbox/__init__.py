"""Inside a grading job: namespaces, uid slots, rlimits, the kernel launcher, and the guarded kernel."""
