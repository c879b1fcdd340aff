package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.VERIFY_SUSPECT2;

import java.util.Collection;
import java.util.concurrent.TimeUnit;

/**
 * JGroups' VERIFY_SUSPECT2, checking its suspects when one is due instead of polling. The stock protocol wakes a pool
 * thread every {@code timeout} for the node's whole life, suspects or not: with distribute's 25 ms that was 40 wake-ups
 * a second per idle node. Here a suspicion schedules its own check, 1.5 x timeout later (the stock poll's average).
 * Same wire format (the stock protocol id), same answers; {@link Stacks} puts it in place of VERIFY_SUSPECT2.
 */
public class VerifySuspect extends VERIFY_SUSPECT2 {

    /** A check that finds a suspect not quite due (clock granularity) looks again this soon. */
    private static final long RECHECK_MILLIS = 2;

    private volatile boolean stopped;

    public VerifySuspect() {
        id = ClassConfigurator.getProtocolId(VERIFY_SUSPECT2.class);
    }

    @Override
    public synchronized void start() {
        running = true; // and no periodic task: see addSuspects
        stopped = false;
    }

    @Override
    public synchronized void stop() {
        stopped = true;
        super.stop();
    }

    @Override
    protected synchronized void addSuspects(Collection<Address> list) {
        super.addSuspects(list);
        if (list != null && !list.isEmpty()) {
            // The stock poll found a suspect between timeout and twice that after it was added (1.5 x on average):
            // checking at 1.5 x keeps a member that answers a little late (a lossy link) as safe as it was.
            checkIn(timeout + timeout / 2);
        }
    }

    @Override
    public void run() {
        if (stopped) {
            return;
        }
        super.run();
        boolean more;
        synchronized (this) {
            more = !suspects.isEmpty();
        }
        if (more) {
            checkIn(RECHECK_MILLIS);
        }
    }

    private void checkIn(long millis) {
        if (!stopped && timer != null) {
            timer.schedule(this, millis, TimeUnit.MILLISECONDS, true); // true: on the pool, as the stock task ran
        }
    }
}
