/**
 * ImageBind (facebookresearch/ImageBind): the six-modality network over upstream state-dict names
 * ({@link dev.codi4j.models.imagebind.ImageBindModel}), upstream's preprocessing (Kaldi fbank, audio and
 * video clip sampling), and the public API {@link dev.codi4j.models.imagebind.ImageBind}.
 */
package dev.codi4j.models.imagebind;
