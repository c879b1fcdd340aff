package io.distribute.internal;

import org.jgroups.Address;
import org.jgroups.Message;
import org.jgroups.View;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.PingData;
import org.jgroups.protocols.TCPPING;

import java.util.List;
import java.util.function.Predicate;

/**
 * TCPPING, except that a member of our view asking who is there gets our own entry only. The stacks answer with every
 * member they know ({@code return_entire_cache}: a joiner whose seed is not the coordinator must learn the others),
 * but on TCP every MERGE3 round of every member asks every host it knows: at 64 nodes each round of one member
 * brought 63 answers of 64 entries each, which the asker read and looked up one by one (21 % of an idle 64-node
 * cluster's CPU samples went to discovery). A member already lists our view's members; what it needs from us is that
 * we answer, and our view id, which MERGE3's INFO carries. Anyone not in our view still gets every entry. Same wire
 * format (the stock protocol id); {@link Stacks} puts it in place of TCPPING.
 */
public class SeedPing extends TCPPING {

    /** Discovery requests not sent now: while a follower asks its leader only ({@link SeedOrderClient}). */
    private volatile Predicate<Address> withheld = dest -> false;

    public SeedPing() {
        id = ClassConfigurator.getProtocolId(TCPPING.class);
    }

    /** Withholds discovery requests to the physical addresses {@code withheld} matches (tested at each request). */
    void withhold(Predicate<Address> withheld) {
        this.withheld = withheld;
    }

    @Override
    protected void sendDiscoveryRequest(Message req) {
        if (!withheld.test(req.getDest())) {
            super.sendDiscoveryRequest(req);
        }
    }

    @Override
    protected void sendDiscoveryResponse(List<PingData> list, Address sender) {
        View v = view;
        Address self = local_addr;
        if (list.size() > 1 && v != null && self != null && !sender.equals(self) && v.containsMember(sender)) {
            for (PingData entry : list) {
                if (self.equals(entry.getAddress())) {
                    list = List.of(entry);
                    break;
                }
            }
        }
        super.sendDiscoveryResponse(list, sender);
    }
}
