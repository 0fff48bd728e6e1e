// Package chaos holds the chaos test of newsflow (make test-chaos, build
// tag chaos): the three workers run as separate processes, two replicas
// each, with a real nats-server, while a driver SIGKILLs and restarts
// random workers and restarts nats-server once. See docs/operations.md.
package chaos
