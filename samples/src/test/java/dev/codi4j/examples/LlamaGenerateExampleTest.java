package dev.codi4j.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The README's Llama example runs as printed and continues stories260K as llama2.c does (greedy). */
class LlamaGenerateExampleTest {
    @Test
    void continuesTheStoryLikeLlama2c() throws Exception {
        Path model = Path.of(System.getProperty("codi4j.shared", "../shared")).resolve("models/stories260K");
        Assumptions.assumeTrue(Files.isDirectory(model), "the shared models folder (stories260K) is absent: skipping the example run");
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            LlamaGenerate.main(new String[] {model.toString(), "Once upon a time"});
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        // llama2.c run.c, greedy, reference_generations.json
        assertTrue(out.startsWith("Once upon a time, there was a little girl named Lily. She loved to play outside in the park."), out);
        assertTrue(out.contains("tok/s"), out);
    }
}
