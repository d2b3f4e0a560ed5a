// Public surface of the local Discord emulator (stand-alone: imports nothing from the bot).
export { DiscordEmulator } from './emulator.js';
export { OffsetClock } from './clock.js';
export { verifyInteractionSignature } from './signing.js';
export { MessageLimits } from './validation.js';
export { snowflakeTime } from './ids.js';
export { run as runEmulatorServer, optionsFrom as emulatorOptionsFrom } from './server-main.js';
export type {
  EmulatedAttachment,
  EmulatedMessage,
  EmulatorClock,
  EmulatorOptions,
  EmulatorRateLimitOptions,
  EmulatorStats,
  FaultKind,
  FaultSpec,
  FireSlashCommandInput,
  FireSlashCommandResult,
  InteractionState,
  InteractionView,
  MentionRecord,
  SlashCommandOption,
  TimelineEntry,
} from './types.js';
