/**
 * What a provider does: make a machine from an image, destroy it (machine and disk), list the
 * machines it made for an inventory, list its images. Everything above (names, the state file,
 * waiting for SSH, checking and pinning host keys, upgrades) is shared by every provider.
 */

export interface MachineSize {
  cpus: number;
  memoryMb: number;
  /** Absent: the image's own disk size. */
  diskGb?: number;
}

/** Settings a machine gets at first boot (cloud-init on a VM; written into the disk in the lab). */
export interface FirstBoot {
  hostname: string;
  /** User whose authorized_keys get the SSH key. */
  user: string;
  nameservers?: string[];
}

export interface CreateRequest {
  /** Inventory host name, also the machine's name at the provider. */
  name: string;
  /** Inventory group it is made for (a tag at the provider). */
  group: string;
  /** Image generation (lab) or template (Proxmox). */
  image: string;
  size: MachineSize;
  /** Address to give it; absent: the provider picks a free one. */
  address?: string;
  /** OpenSSH public key line allowed to log in. */
  sshPublicKey: string;
  firstBoot: FirstBoot;
}

export interface ProviderMachine {
  /** The provider's own id (lab: machine name; Proxmox: VMID). */
  id: string;
  name: string;
  address?: string;
  image?: string;
  group?: string;
  running: boolean;
}

export interface CreatedMachine extends ProviderMachine {
  address: string;
  /**
   * Host public keys the provider knows without asking the machine over the network (the lab
   * generates them; Proxmox reads them through the guest agent). When given, the key the machine
   * presents on SSH must be one of them: nothing is trusted on first use.
   */
  hostKeys?: string[];
}

export interface ImageInfo {
  id: string;
  description: string;
}

export interface Provider {
  /** The name the inventory gives it (`providers:` key). */
  readonly name: string;
  readonly type: 'lab' | 'proxmox';
  images(): Promise<ImageInfo[]>;
  /** Make and start a machine; returns once the provider knows its address. */
  create(req: CreateRequest): Promise<CreatedMachine>;
  /** Stop the machine and delete it with its disks. Destroying a machine that is gone is not an error. */
  destroy(id: string): Promise<void>;
  /** Machines this provider made for this inventory's state (by its tag), running or not. */
  list(): Promise<ProviderMachine[]>;
  /** Restart the machine (after a kernel or libc upgrade), when the provider can. */
  reboot?(id: string): Promise<void>;
}
