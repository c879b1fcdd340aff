package io.distribute.internal;

import io.distribute.cluster.ClusterConfig;
import io.distribute.testing.Ports;
import io.distribute.testing.TestCluster;
import org.jgroups.BytesMessage;
import org.jgroups.Message;
import org.jgroups.stack.Protocol;
import org.jgroups.stack.ProtocolStack;
import org.jgroups.util.MessageBatch;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Ping round trip and 1 KiB message throughput between two nodes, with encryption on and off.
 * Run: mvn -q -B test-compile exec:java -Dexec.mainClass=io.distribute.internal.EncryptionBench
 */
public final class EncryptionBench {

    static final class Counter extends Protocol {
        final AtomicLong received = new AtomicLong();

        @Override
        public Object up(Message msg) {
            if (msg.getLength() == 1024) {
                received.incrementAndGet();
            }
            return up_prot.up(msg);
        }

        @Override
        public void up(MessageBatch batch) {
            for (Message m : batch) {
                if (m.getLength() == 1024) {
                    received.incrementAndGet();
                }
            }
            up_prot.up(batch);
        }
    }

    public static void main(String[] args) throws Exception {
        for (int round = 0; round < 2; round++) {
            for (boolean enc : new boolean[] {true, false}) {
                run(enc, round == 1);
            }
        }
    }

    private static void run(boolean encryption, boolean print) throws Exception {
        ClusterConfig cfg = TestCluster.testConfig().encryption(encryption).build();
        JGroupsNode a = JGroupsNode.start("bench-a@127.0.0.1:" + Ports.next(), TestCluster.COOKIE, cfg).orElseThrow();
        JGroupsNode b = JGroupsNode.start("bench-b@127.0.0.1:" + Ports.next(), TestCluster.COOKIE, cfg).orElseThrow();
        try {
            b.connect(a.selfNode()).orElseThrow();
            Counter counter = new Counter();
            a.channel().getProtocolStack().insertProtocol(counter, ProtocolStack.Position.BELOW, NodeProtocol.class);
            for (int i = 0; i < 5000; i++) {
                b.pingMember(a.address(), TimeUnit.SECONDS.toNanos(1));
            }
            long[] rtt = new long[10000];
            for (int i = 0; i < rtt.length; i++) {
                rtt[i] = b.pingMember(a.address(), TimeUnit.SECONDS.toNanos(1));
            }
            Arrays.sort(rtt);
            byte[] kib = new byte[1024];
            int n = 50_000;
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                b.channel().send(new BytesMessage(a.address(), kib));
            }
            while (counter.received.get() < n && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(60)) {
                Thread.onSpinWait();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            if (print) {
                System.out.printf("encryption=%-5s ping p50=%4d us p99=%4d us max=%5d us | 1 KiB unicast: %,.0f msg/s (%,.1f MiB/s), %d received%n",
                        encryption, rtt[rtt.length / 2] / 1000, rtt[(int) (rtt.length * 0.99)] / 1000,
                        rtt[rtt.length - 1] / 1000, counter.received.get() / secs,
                        counter.received.get() / secs / 1024, counter.received.get());
            }
        } finally {
            b.close();
            a.close();
        }
    }
}
