/**
 * The components CoDi-2 plugs together, as small interfaces: the encoder ({@link
 * dev.codi4j.models.codi2.spi.MediaEncoder}, ImageBind's role) and the image decoder ({@link
 * dev.codi4j.models.codi2.spi.ImageDecoder}, SD2.1-unCLIP's role). The CoDi-2 core depends only on
 * these, so the real networks and tiny test or demo stand-ins are interchangeable.
 */
package dev.codi4j.models.codi2.spi;
