package io.distribute.security;

import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A bounded attack loop: calls {@code shot} at a fixed rate until it has fired {@code maxShots} times or
 * {@code maxTime} has passed, whichever comes first, then stops by itself. A shot may return a socket to hold open
 * for {@code hold}; every socket still open is closed by {@link #close()}. Only loopback targets are ever given to it.
 */
final class Flood implements AutoCloseable {

    private final ScheduledExecutorService timer;
    private final AtomicInteger fired = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final ConcurrentLinkedQueue<Socket> held = new ConcurrentLinkedQueue<>();
    private final long deadline;
    private final int maxShots;
    private volatile boolean finished;

    private Flood(String name, int perSecond, int maxShots, Duration maxTime, Duration hold, IntFunction<Socket> shot) {
        this.maxShots = maxShots;
        this.deadline = System.nanoTime() + maxTime.toNanos();
        this.timer = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "attack-" + name);
            t.setDaemon(true);
            return t;
        });
        long period = TimeUnit.SECONDS.toNanos(1) / perSecond;
        timer.scheduleAtFixedRate(() -> {
            if (finished) {
                return;
            }
            int i = fired.getAndIncrement();
            if (i >= maxShots || System.nanoTime() > deadline) {
                fired.decrementAndGet();
                finished = true;
                return;
            }
            Socket s;
            try {
                s = shot.apply(i);
            } catch (RuntimeException e) {
                failed.incrementAndGet(); // counted, and the loop goes on (an exception would end it silently)
                return;
            }
            if (s != null) {
                held.add(s);
                timer.schedule(() -> {
                    held.remove(s);
                    Wire.closeQuietly(s);
                }, hold.toMillis(), TimeUnit.MILLISECONDS);
            }
        }, 0, period, TimeUnit.NANOSECONDS);
    }

    /** Starts a loop of at most {@code maxShots} shots, {@code perSecond} a second, for at most {@code maxTime}. */
    static Flood start(String name, int perSecond, int maxShots, Duration maxTime, Duration hold,
                       IntFunction<Socket> shot) {
        return new Flood(name, perSecond, maxShots, maxTime, hold, shot);
    }

    /** Shots fired so far. */
    int fired() {
        return fired.get();
    }

    /** Shots that threw (a bug in the test's attack, not the victim's doing). */
    int failed() {
        return failed.get();
    }

    /** True once the loop stopped by its count or its time. */
    boolean finished() {
        return finished || fired.get() >= maxShots || System.nanoTime() > deadline;
    }

    @Override
    public void close() {
        finished = true;
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Socket s; (s = held.poll()) != null; ) {
            Wire.closeQuietly(s);
        }
    }
}
