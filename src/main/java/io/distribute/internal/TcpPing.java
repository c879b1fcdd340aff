package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.Message;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.PingData;
import org.jgroups.protocols.PingHeader;
import org.jgroups.protocols.TCPPING;

import java.util.List;

/**
 * JGroups' TCPPING, answering a joiner with every member it knows and a MERGE3 round with itself only.
 *
 * <p>distribute's stacks set {@code return_entire_cache}: a joiner whose seed is a member but not the coordinator must
 * learn the coordinator from the seed. But on TCP, MERGE3 finds other views by a discovery round from every member to
 * every other and sends an INFO to every node named in every answer: with whole-cache answers one round of one node
 * sent (N - 1) x N INFOs, and idle cost grew with N³. A joiner's discovery is marked as initial; MERGE3's is not,
 * and names no members (the transport's search for members' addresses does, and keeps whole-cache answers).
 * Same protocol id and wire format as TCPPING; {@link Stacks} puts it in place of TCPPING.
 */
public class TcpPing extends TCPPING {

    /** Set while this thread answers a discovery that is not a joiner's. */
    private static final ThreadLocal<Boolean> ANSWERING_MERGE_ROUND = new ThreadLocal<>();

    public TcpPing() {
        id = ClassConfigurator.getProtocolId(TCPPING.class);
    }

    @Override
    protected Object handle(PingHeader hdr, Message msg) {
        if (hdr.type() != PingHeader.GET_MBRS_REQ || hdr.initialDiscovery() || asksForMembers(msg)) {
            return super.handle(hdr, msg);
        }
        ANSWERING_MERGE_ROUND.set(Boolean.TRUE);
        try {
            return super.handle(hdr, msg);
        } finally {
            ANSWERING_MERGE_ROUND.remove();
        }
    }

    /** A discovery for named members (the transport looking for their addresses) keeps whole-cache answers. */
    private boolean asksForMembers(Message msg) {
        List<PingData> data = readPingData(msg.getArray(), msg.getOffset(), msg.getLength());
        return data != null && data.stream().anyMatch(pd -> pd != null && pd.mbrs() != null && !pd.mbrs().isEmpty());
    }

    @Override
    protected void sendDiscoveryResponse(List<PingData> list, Address sender) {
        if (ANSWERING_MERGE_ROUND.get() != null && list != null && list.size() > 1) {
            Address self = local_addr;
            list = list.stream().filter(pd -> self != null && self.equals(pd.getAddress())).toList();
        }
        super.sendDiscoveryResponse(list, sender);
    }
}
