package dev.codi4j.cli;

import dev.codi4j.loaders.hub.HfCache;
import dev.codi4j.loaders.hub.HubClient;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code codi4j download org/name}: fetches a Hugging Face repository into the same cache Python's
 * huggingface_hub uses, so either side finds what the other downloaded.
 */
@Command(name = "download", mixinStandardHelpOptions = true,
        description = {"Download a model from the Hugging Face hub into the local hub cache (shared with Python's huggingface_hub).",
                "Interrupted downloads resume; every file is checked (size and sha256) before it is used.",
                "Gated models (e.g. meta-llama/*) need HF_TOKEN set to an access token; HF_ENDPOINT selects a mirror."},
        footer = {"", "Examples:", "  codi4j download stabilityai/stable-diffusion-2-1-unclip --include '*.json' --include '*.safetensors'",
                "  codi4j download meta-llama/Llama-2-7b-chat-hf --include 'model-*.safetensors' --include '*.json' --include tokenizer.model"})
public final class DownloadCommand implements CliCommand, Callable<Integer> {

    @Parameters(index = "0", paramLabel = "REPO", description = "Repository id, e.g. meta-llama/Llama-2-7b-chat-hf")
    String repo;

    @Option(names = "--revision", paramLabel = "REV", defaultValue = "main", description = "Branch, tag or commit (default: ${DEFAULT-VALUE})")
    String revision;

    @Option(names = "--include", paramLabel = "PATTERN", description = "Only files matching this glob (repeatable; '*' also matches '/'). Default: all files")
    List<String> include = new ArrayList<>();

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Hub cache folder (default: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub)")
    Path cacheDir;

    @Option(names = "--endpoint", paramLabel = "URL", description = "Hub base URL (default: $HF_ENDPOINT, else https://huggingface.co)")
    URI endpoint;

    @Option(names = {"-q", "--quiet"}, description = "No progress bars")
    boolean quiet;

    @Override public int order() { return 10; }

    @Override public Integer call() throws Exception {
        HfCache cache = cacheDir != null ? new HfCache(cacheDir) : HfCache.fromEnvironment();
        HubClient env = HubClient.fromEnvironment(cache);
        HubClient client = endpoint == null ? env : new HubClient(endpoint, System.getenv("HF_TOKEN"), cache);
        PrintStream err = System.err;
        HubClient.Progress progress = quiet ? null : new HubClient.Progress() {
            private ProgressBar bar;

            @Override public void start(String file, long size, long resumedFrom) {
                close();
                bar = new ProgressBarBuilder().setTaskName(shorten(file)).setInitialMax(size).setUnit(" MiB", 1 << 20)
                        .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).showSpeed().continuousUpdate().build();
                bar.stepTo(resumedFrom);
            }

            @Override public void advance(String file, long bytes) { if (bar != null) bar.stepBy(bytes); }

            @Override public void finish(String file, boolean cached) {
                close();
                if (cached) err.println("  " + file + " (already in the cache)");
            }

            private void close() {
                if (bar != null) { bar.close(); bar = null; }
            }
        };
        HubClient.Snapshot s = client.download(repo, revision, include, progress);
        System.out.println(s.folder());
        if (!quiet) err.println("codi4j: " + s.files().size() + " files of " + repo + "@" + s.commit().substring(0, 10) + " in " + s.folder());
        return 0;
    }

    private static String shorten(String f) { return f.length() <= 40 ? f : "…" + f.substring(f.length() - 39); }
}
