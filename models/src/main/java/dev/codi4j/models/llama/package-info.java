/**
 * Llama-2 (and grouped-query Llama-family) language models: a config ({@link
 * dev.codi4j.loaders.config.LlamaConfig}), a weights record ({@link LlamaWeights}), a state with a
 * preallocated KV cache ({@link LlamaState}) and one forward pass ({@link Llama}); loading from Hugging
 * Face safetensors and GGUF ({@link LlamaLoader}), PEFT LoRA adapters ({@link Lora}), sampling
 * ({@link Generator}) and the Llama-2 chat template with a KV cache kept across turns ({@link ChatSession}).
 */
package dev.codi4j.models.llama;
