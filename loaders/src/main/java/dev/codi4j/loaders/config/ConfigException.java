package dev.codi4j.loaders.config;

import dev.codi4j.loaders.FormatException;

/**
 * A model configuration file ({@code config.json}, {@code scheduler_config.json}, {@code model_index.json})
 * is malformed, has a field of the wrong type, or asks for a feature codi4j does not implement. The
 * message names the file, the field, what was expected and what was found.
 */
public class ConfigException extends FormatException {
    public ConfigException(String source, String message) { super(source, message); }
}
