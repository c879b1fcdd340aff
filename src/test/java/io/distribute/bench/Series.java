package io.distribute.bench;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;

/** The samples of one workload on one implementation, in an HdrHistogram (3 significant digits). */
final class Series {

    final String impl;
    private final Histogram histogram = new Histogram(1, 1L << 40, 3);
    /** Runs that produced no sample (timeout, error), reported next to the figures. */
    int failed;
    final List<String> notes = new ArrayList<>();

    Series(String impl) {
        this.impl = impl;
    }

    synchronized void record(long value) {
        histogram.recordValue(Math.max(0, value));
    }

    synchronized void fail(String why) {
        failed++;
        if (notes.size() < 5) {
            notes.add(why);
        }
    }

    synchronized long runs() {
        return histogram.getTotalCount();
    }

    synchronized long median() {
        return histogram.getValueAtPercentile(50);
    }

    synchronized long p99() {
        return histogram.getValueAtPercentile(99);
    }

    synchronized long max() {
        return histogram.getMaxValue();
    }

    synchronized long min() {
        return histogram.getMinValue();
    }
}
