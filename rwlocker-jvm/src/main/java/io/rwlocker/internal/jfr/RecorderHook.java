package io.rwlocker.internal.jfr;

import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Recording;

/*
 * Implementation notes
 *
 * The cheap part of jdk.jfr that LockEvents needs before it knows whether JFR is in use: whether
 * the recorder is initialized (any recording ever started makes it so; a static field read), and
 * the listener that re-reads LongHold's setting whenever a recording starts, stops or closes
 * (JFR calls it after applying the recording's settings). Loading this class loads only
 * FlightRecorder and the listener interface, not the JFR machinery or the event classes.
 *
 * The listener calls JfrEvents.refresh(); LockEvents initializes JfrEvents before it installs
 * the listener, so a callback never waits for a class initialization in progress (which could
 * otherwise deadlock against JFR's own locks).
 */

/** JFR recorder state and the recording listener. Internal API. */
final class RecorderHook implements FlightRecorderListener {
    private RecorderHook() {
    }

    /** Whether the flight recorder has been initialized (a recording has been started). */
    static boolean recorderInitialized() {
        return FlightRecorder.isInitialized();
    }

    /** Installs the listener; without the permission (a security manager) nothing is installed. */
    static void install() {
        try {
            FlightRecorder.addListener(new RecorderHook());
        } catch (SecurityException denied) {
            // Then hold timing follows only the refreshes made on contended acquires.
        }
    }

    @Override
    public void recordingStateChanged(Recording recording) {
        JfrEvents.refresh();
    }
}
