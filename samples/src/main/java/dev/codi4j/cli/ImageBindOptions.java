package dev.codi4j.cli;

import dev.codi4j.models.imagebind.ImageBind;
import dev.codi4j.models.imagebind.ImageBindConfig;
import dev.codi4j.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.codi4j.tensor.Backend;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options every ImageBind command shares (a picocli mixin). */
final class ImageBindOptions {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "PATH",
            description = "ImageBind checkpoint: the official imagebind_huge.pth or a safetensors conversion with the same tensor names")
    Path model;

    @Option(names = "--bpe", paramLabel = "FILE", description = "CLIP tokenizer bpe_simple_vocab_16e6.txt.gz (default: next to the checkpoint)")
    Path bpe;

    @Option(names = "--config", paramLabel = "JSON", description = "Model sizes (upstream argument names) for checkpoints other than imagebind_huge")
    Path config;

    @Mixin DeviceOptions device;

    @Option(names = "--dtype", paramLabel = "TYPE", description = "Hold weights as f32, f16 or bf16 (default: as stored)")
    String dtype;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "8", description = "Inputs per forward pass (default: ${DEFAULT-VALUE})")
    int batch;

    /** The backend of --device/--threads; the caller closes it after the model. */
    Backend backend() {
        if (!Files.isRegularFile(model)) throw new IllegalArgumentException("--model " + model + " is not a file; give the path of imagebind_huge.pth or its safetensors conversion");
        return device.create();
    }

    /** The model on {@code b} (which the caller owns). */
    ImageBind open(Backend b) throws IOException {
        ImageBind.Options o = ImageBind.Options.defaults().withBatchSize(batch).withBpe(bpe);
        if (dtype != null) {
            DType t = DType.parse(dtype);
            if (t != DType.F32 && t != DType.F16 && t != DType.BF16) throw new IllegalArgumentException("--dtype must be f32, f16 or bf16, got " + dtype);
            o = o.withWeightDType(t);
        }
        if (config != null) o = o.withConfig(ImageBindConfig.fromJson(config));
        return ImageBind.load(model, o, b);
    }
}
