package dev.codi4j.models.imagebind;

import java.util.Locale;

/** ImageBind's six input modalities ({@code ModalityType} upstream); {@link #key()} is the state-dict name. */
public enum Modality {
    VISION, TEXT, AUDIO, DEPTH, THERMAL, IMU;

    /** "vision", "text", ...: the name in {@code modality_trunks.<key>} and friends. */
    public String key() { return name().toLowerCase(Locale.ROOT); }

    public static Modality parse(String s) {
        String k = s.trim().toUpperCase(Locale.ROOT);
        if (k.equals("IMAGE") || k.equals("VIDEO")) return VISION;
        try {
            return valueOf(k);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown modality '" + s + "'; expected one of vision (image, video), text, audio, depth, thermal, imu");
        }
    }
}
