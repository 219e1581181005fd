/**
 * Latent diffusion: Stable Diffusion 2.1-unCLIP generation and InstructPix2Pix-style editing, loading
 * diffusers pipeline folders directly. As in diffusers, models ({@code unet}, {@code vae}), samplers
 * ({@code schedulers}, pure math over float arrays) and pipelines ({@code pipelines}) are separate.
 * Activations are F32 NCHW; weights keep the checkpoint's dtype (or a chosen one) and every op goes
 * through the {@link dev.codi4j.tensor.Backend} interface.
 */
package dev.codi4j.models.diffusion;
