package dev.codi4j.loaders.media;

/**
 * Upper bounds that decoders check <em>before</em> they allocate, so that a small hostile file
 * (a decompression bomb, a lying length field) is refused with a {@link MediaException} instead of
 * ending in an {@link OutOfMemoryError}.
 *
 * <p>Defaults: 100 megapixels per image or video frame (PIL warns at 89.5 MP and refuses at twice
 * that; 100 MP is 10000 x 10000), 1 GiB per input file, 10 minutes of 48 kHz 8-channel audio
 * ({@code 230_400_000} samples in all channels together), 10 000 video frames, and 500 megapixels
 * summed over all frames of one video (1.5 GB as 8-bit RGB: 20 s of 1080p at 12 fps). The system
 * properties {@code codi4j.media.maxPixels}, {@code codi4j.media.maxFileBytes},
 * {@code codi4j.media.maxAudioSamples}, {@code codi4j.media.maxVideoFrames} and
 * {@code codi4j.media.maxVideoPixels} change the defaults.
 *
 * @param maxPixels      most pixels (width x height) in one image or frame
 * @param maxFileBytes   largest input file read into memory
 * @param maxAudioSamples most decoded audio samples (frames x channels)
 * @param maxVideoFrames most frames decoded from one video
 * @param maxVideoPixels most pixels kept over all decoded frames of one video
 */
public record MediaLimits(long maxPixels, long maxFileBytes, long maxAudioSamples, int maxVideoFrames, long maxVideoPixels) {

    public MediaLimits {
        if (maxPixels <= 0 || maxFileBytes <= 0 || maxAudioSamples <= 0 || maxVideoFrames <= 0 || maxVideoPixels <= 0)
            throw new IllegalArgumentException("media limits must be positive, got " + maxPixels + ", " + maxFileBytes + ", " + maxAudioSamples + ", " + maxVideoFrames + ", " + maxVideoPixels);
    }

    /** The defaults, with system-property overrides applied. */
    public static MediaLimits defaults() {
        return new MediaLimits(
                Long.getLong("codi4j.media.maxPixels", 100_000_000L),
                Long.getLong("codi4j.media.maxFileBytes", 1L << 30),
                Long.getLong("codi4j.media.maxAudioSamples", 230_400_000L),
                Integer.getInteger("codi4j.media.maxVideoFrames", 10_000),
                Long.getLong("codi4j.media.maxVideoPixels", 500_000_000L));
    }

    public MediaLimits withMaxPixels(long v) { return new MediaLimits(v, maxFileBytes, maxAudioSamples, maxVideoFrames, maxVideoPixels); }
    public MediaLimits withMaxFileBytes(long v) { return new MediaLimits(maxPixels, v, maxAudioSamples, maxVideoFrames, maxVideoPixels); }
    public MediaLimits withMaxAudioSamples(long v) { return new MediaLimits(maxPixels, maxFileBytes, v, maxVideoFrames, maxVideoPixels); }
    public MediaLimits withMaxVideoFrames(int v) { return new MediaLimits(maxPixels, maxFileBytes, maxAudioSamples, v, maxVideoPixels); }
    public MediaLimits withMaxVideoPixels(long v) { return new MediaLimits(maxPixels, maxFileBytes, maxAudioSamples, maxVideoFrames, v); }

    /** Only the upper bound, for sizes read from headers (zero is left for the decoder to judge). */
    void checkPixelsUpper(String source, long width, long height) {
        if (width > 0 && height > 0) checkPixels(source, width, height);
        else if (width > maxPixels || height > maxPixels) checkPixels(source, Math.max(width, 1), Math.max(height, 1));
    }

    void checkPixels(String source, long width, long height) {
        if (width <= 0 || height <= 0)
            throw new MediaException(source, "image size " + width + "x" + height + " is empty", "the file is corrupt or truncated");
        if (width * height > maxPixels)
            throw new MediaException(source, "image is " + width + "x" + height + " = " + (width * height) + " pixels, over the limit of " + maxPixels,
                    "if the file is trusted, raise the limit with MediaLimits.withMaxPixels or -Dcodi4j.media.maxPixels");
    }

    byte[] readFile(java.nio.file.Path path) {
        String name = path.toString();
        try {
            long size = java.nio.file.Files.size(path);
            if (size > maxFileBytes)
                throw new MediaException(name, "file is " + size + " bytes, over the limit of " + maxFileBytes,
                        "raise it with MediaLimits.withMaxFileBytes or -Dcodi4j.media.maxFileBytes if the file is trusted");
            return java.nio.file.Files.readAllBytes(path);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new MediaException(name, "no such file", "check the path", e);
        } catch (java.io.IOException e) {
            throw new MediaException(name, "cannot read file (" + e + ")", "check that it exists and is readable", e);
        }
    }
}
