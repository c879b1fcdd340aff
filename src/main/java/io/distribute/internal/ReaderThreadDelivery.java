package io.distribute.internal;

import org.jgroups.Message;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FailureDetection;
import org.jgroups.protocols.TP;
import org.jgroups.util.AsciiString;
import org.jgroups.util.MaxOneThreadPerSender;
import org.jgroups.util.MessageBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Iterator;

/**
 * How the transport hands received messages up: as JGroups does by default ({@link MaxOneThreadPerSender}: a pool
 * thread per message or batch), except for three kinds that take microseconds and never wait, which go up on the
 * thread that read them: a PING (answering it only queues the PONG for the sender), a PONG (it completes a future)
 * and a failure detector's heartbeat (it sets a bit). Handing each to a pool thread cost a thread switch: one on each
 * leg of a ping's round trip, a good part of a loopback ping's time, and one per heartbeat, which is most of what an
 * idle cluster's nodes receive. Installed by {@link StackTuning} through the transport's
 * {@code message_processing_policy}.
 */
public class ReaderThreadDelivery extends MaxOneThreadPerSender {

    private static final Logger LOG = LoggerFactory.getLogger(ReaderThreadDelivery.class);

    private short heartbeatsOf = ClassConfigurator.getProtocolId(FD_ALL3.class);
    private volatile AsciiString clusterName;

    @Override
    public void init(TP transport) {
        super.init(transport);
        FailureDetection fd = transport.getProtocolStack() == null ? null
                : transport.getProtocolStack().findProtocol(FailureDetection.class);
        if (fd != null) {
            heartbeatsOf = fd.getId();
        }
    }

    @Override
    public boolean process(Message msg, boolean oob) {
        if (quick(msg)) {
            up(msg, true);
            return true;
        }
        return super.process(msg, oob);
    }

    /** The sender's bundler puts messages queued together in one batch: a ping is often sent with a heartbeat. */
    @Override
    public boolean process(MessageBatch batch, boolean oob) {
        AsciiString cluster = batch.getClusterName();
        AsciiString ours = ourClusterName();
        if (cluster == null || ours == null || ours.equals(cluster)) {
            for (Iterator<Message> it = batch.iterator(); it.hasNext(); ) {
                Message m = it.next();
                if (quick(m)) {
                    it.remove();
                    up(m, false); // the batch's cluster name was checked above
                }
            }
            if (batch.isEmpty()) {
                return true;
            }
        }
        return super.process(batch, oob);
    }

    /** The cluster name, kept once known (a channel connects once): no string built per received batch. */
    private AsciiString ourClusterName() {
        AsciiString name = clusterName;
        if (name == null) {
            String s = tp.getClusterName();
            if (s != null) {
                clusterName = name = new AsciiString(s);
            }
        }
        return name;
    }

    /** What a pool thread would do with it. */
    private void up(Message msg, boolean checkClusterName) {
        try {
            tp.passMessageUp(msg, checkClusterName, msg.getDest() == null, true);
        } catch (RuntimeException e) {
            LOG.debug("passing up {} failed: {}", msg, e.toString());
        }
    }

    /** A PING, a PONG or a heartbeat. */
    boolean quick(Message msg) {
        if (msg.getHeader(heartbeatsOf) instanceof FailureDetection.HeartbeatHeader) {
            return true;
        }
        NodeHeader h = msg.getHeader(NodeProtocol.PROTOCOL_ID);
        return h != null && (h.type == NodeHeader.PING || h.type == NodeHeader.PONG);
    }
}
