// `autointel emulator`: runs the local Discord emulator as a server (prints its addresses as one JSON line).
export { runEmulatorServer as run } from '@autointel/discord-emulator';
