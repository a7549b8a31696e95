/**
 * The Docker executor: images (as given, or built and cached by content hash) and containers.
 */
export { DockerExecutor, type DockerExecutorOptions } from './executor.js';
export { DockerClient, DEFAULT_DOCKER_HOST } from './client.js';
export { imageSourceOf, describeSource, BUILD_REPOSITORY, type ImageInputs, type ImageSource } from './image-source.js';
export { ImageResolver, type ImageIdentity, type ResolvedImage } from './images.js';
export { ImageUsage } from './usage.js';
export { consoleSink, LogFile, type LogSink } from './log-file.js';
export { LABEL_JOB, LABEL_OWNER_KIND, ownerLabel } from './container-spec.js';
export { dockerExecutorFor, imageUsageDir, type DockerSettings } from './settings.js';
