package dev.codi4j.loaders.hub;

import java.io.IOException;

/** A hub request failed: the message says which repository/file, the HTTP status, and what to do. */
public class HubException extends IOException {
    private final int status;

    public HubException(String message, int status) {
        super(message);
        this.status = status;
    }

    public HubException(String message, Throwable cause) {
        super(message, cause);
        this.status = -1;
    }

    /** HTTP status, or -1 when the failure was not an HTTP answer. */
    public int status() { return status; }
}
