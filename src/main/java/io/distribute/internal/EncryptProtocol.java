package io.distribute.internal;

import org.jgroups.BytesMessage;
import org.jgroups.Message;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.stack.Protocol;
import org.jgroups.util.ByteArray;
import org.jgroups.util.MessageBatch;
import org.jgroups.util.Util;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Seals every message, headers and payload alike, with {@link Aead} right above the transport, so discovery,
 * heartbeats, views and application traffic are all unreadable and unforgeable without the cookie. JGroups'
 * SYM_ENCRYPT is not used: its default cipher is AES/ECB and it authenticates nothing.
 *
 * <p>A frame that does not open (tampered, sealed under another key) or is not sealed at all is dropped and
 * counted, never delivered. The only frames that travel unsealed are NodeProtocol's HELLO and ACK: they carry a
 * node's name, nonces and HMAC proofs, so a node with another cookie can be told "your cookie is wrong"; NodeProtocol
 * seals the view and addresses inside an ACK itself.
 */
public class EncryptProtocol extends Protocol {

    static final short PROTOCOL_ID = 1753;
    static final short HEADER_MAGIC = 1754;

    static {
        ClassConfigurator.addProtocol(PROTOCOL_ID, EncryptProtocol.class);
        ClassConfigurator.addIfAbsent(HEADER_MAGIC, EncryptHeader.class);
    }

    private static final Logger LOG = LoggerFactory.getLogger(EncryptProtocol.class);
    private static final short NODE_ID = NodeProtocol.PROTOCOL_ID;

    private volatile Aead aead;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong sealed = new AtomicLong();

    void setAead(Aead aead) {
        this.aead = aead;
    }

    /** Frames dropped because they did not open or were not sealed. */
    public long droppedFrames() {
        return dropped.get();
    }

    public long sealedFrames() {
        return sealed.get();
    }

    @Override
    public void start() throws Exception {
        super.start();
        if (aead == null) {
            throw new IllegalStateException("EncryptProtocol has no key");
        }
    }

    private static boolean inClear(Message msg) {
        return false;
    }

    @Override
    public Object down(Message msg) {
        if (inClear(msg)) {
            return down_prot.down(msg);
        }
        try {
            ByteArray plain = Util.messageToBuffer(msg);
            byte[] frame = aead.seal(plain.getArray(), plain.getOffset(), plain.getLength());
            Message out = new BytesMessage(msg.getDest(), frame).setSrc(msg.getSrc());
            out.setFlag(msg.getFlags(), false).setFlag(msg.getFlags(true), true);
            out.putHeader(id, new EncryptHeader());
            sealed.incrementAndGet();
            return down_prot.down(out);
        } catch (Exception e) {
            LOG.warn("{}: cannot seal a message to {}: {}", getAddress(), msg.getDest(), e.toString());
            return null;
        }
    }

    @Override
    public Object up(Message msg) {
        Message m = open(msg);
        return m == null ? null : up_prot.up(m);
    }

    @Override
    public void up(MessageBatch batch) {
        MessageBatch out = new MessageBatch(batch.dest(), batch.sender(), batch.clusterName(), batch.multicast(),
                batch.mode(), batch.size());
        for (Message msg : batch) {
            Message m = open(msg);
            if (m != null) {
                out.add(m);
            }
        }
        if (!out.isEmpty()) {
            up_prot.up(out);
        }
    }

    private Message open(Message msg) {
        if (msg.getHeader(id) == null) {
            if (inClear(msg)) {
                return msg;
            }
            drop(msg, "not sealed");
            return null;
        }
        byte[] plain = aead.open(msg.getArray(), msg.getOffset(), msg.getLength());
        if (plain == null) {
            drop(msg, "does not open (tampered, or sealed with another cookie)");
            return null;
        }
        try {
            Message inner = Util.messageFromBuffer(plain, 0, plain.length);
            // The transport's sender is what JGroups trusts; the sealed copy cannot disagree without the key.
            inner.setSrc(msg.getSrc());
            return inner;
        } catch (Exception e) {
            drop(msg, "sealed content is malformed: " + e);
            return null;
        }
    }

    private void drop(Message msg, String why) {
        long n = dropped.incrementAndGet();
        // Log the first few and then every 1000th, so a flood cannot fill the log.
        if (n <= 10 || n % 1000 == 0) {
            LOG.warn("{}: dropped a frame from {} ({} dropped so far): {}", getAddress(), msg.getSrc(), n, why);
        }
    }
}
