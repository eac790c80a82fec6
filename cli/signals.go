package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// stopSignals turns SIGTERM/SIGINT into the two steps of a graceful shutdown: the first
// calls stop (stop claiming work, let what runs finish), the second cancels the returned
// context (stop everything now). The returned func releases the signal handler.
func stopSignals(parent context.Context, stop func()) (context.Context, func()) {
	ctx, cancel := context.WithCancel(parent)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	done := make(chan struct{})
	go func() {
		stopped := false
		for {
			select {
			case <-sigs:
				if stopped {
					cancel()
					return
				}
				stopped = true
				stop()
			case <-done:
				return
			}
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}
