package dev.codi4j.models.codi2;

/**
 * A {@code codi2.json} is malformed, names a component that does not exist, or asks for a
 * combination that cannot work. The message names the file, the field and the fix.
 */
public class ConfigException extends IllegalArgumentException {
    public ConfigException(String message) { super(message); }
    public ConfigException(String message, Throwable cause) { super(message, cause); }
}
