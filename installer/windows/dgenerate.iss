; Inno Setup 6 script: installs the PyInstaller folder (installer/dist/dgenerate, made by
; installer/build_bundle.py) for a user who double-clicks things.
;   iscc /DAppVersion=5.0.0 installer\windows\dgenerate.iss  ->  installer\dist\dgenerate-5.0.0-windows-x86_64-setup.exe
; What it does: the program folder; a Start menu shortcut to the console (+ an optional desktop
; one); .dgen files open in the console, with their icon and the verbs "Edit" (open in the
; console) and "Run" (open and run at once); optionally "dgenerate" on the user's PATH. The
; uninstaller removes all of it, the association and the PATH entry included.

#ifndef AppVersion
  #define AppVersion "5.0.0"
#endif
#define AppName "Dgenerate"
#define ConsoleExe "dgenerate-console.exe"
#define ProgId "Dgenerate.Script"
#define Dist "..\dist\dgenerate"

[Setup]
AppId={{9979B399-36A4-4DE2-8972-CFF8E1449012}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=dgenerate
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
ChangesAssociations=yes
ChangesEnvironment=yes
OutputDir=..\dist
OutputBaseFilename=dgenerate-{#AppVersion}-windows-x86_64-setup
SetupIconFile=dgenerate.ico
UninstallDisplayIcon={app}\{#ConsoleExe}
Compression=lzma2/ultra64
SolidCompression=yes
LZMANumBlockThreads=4
DiskSpanning=no
WizardStyle=modern

[Tasks]
Name: "desktopicon"; Description: "Create a &desktop shortcut to the Dgenerate Console"; GroupDescription: "Shortcuts:"; Flags: unchecked
Name: "associate"; Description: "Open .dgen scripts with the Dgenerate Console"; GroupDescription: "Files:"
Name: "addtopath"; Description: "Add ""dgenerate"" to my PATH (for the command prompt)"; GroupDescription: "Command line:"; Flags: unchecked

[Files]
Source: "{#Dist}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "dgenerate.ico"; DestDir: "{app}"; Flags: ignoreversion

[Icons]
Name: "{group}\Dgenerate Console"; Filename: "{app}\{#ConsoleExe}"; WorkingDir: "{userdocs}"; IconFilename: "{app}\dgenerate.ico"
Name: "{group}\Examples"; Filename: "{app}\_internal\examples"
Name: "{group}\Uninstall Dgenerate"; Filename: "{uninstallexe}"
Name: "{autodesktop}\Dgenerate Console"; Filename: "{app}\{#ConsoleExe}"; WorkingDir: "{userdocs}"; IconFilename: "{app}\dgenerate.ico"; Tasks: desktopicon

[Registry]
; .dgen -> Dgenerate.Script (HKA: the current user's classes, or the machine's when installed for all)
Root: HKA; Subkey: "Software\Classes\.dgen"; ValueType: string; ValueName: ""; ValueData: "{#ProgId}"; Flags: uninsdeletevalue; Tasks: associate
Root: HKA; Subkey: "Software\Classes\.dgen"; ValueType: string; ValueName: "Content Type"; ValueData: "text/x-dgenerate"; Flags: uninsdeletevalue; Tasks: associate
Root: HKA; Subkey: "Software\Classes\.dgen\OpenWithProgids"; ValueType: string; ValueName: "{#ProgId}"; ValueData: ""; Flags: uninsdeletevalue; Tasks: associate
Root: HKA; Subkey: "Software\Classes\{#ProgId}"; ValueType: string; ValueName: ""; ValueData: "dgenerate script"; Flags: uninsdeletekey; Tasks: associate
Root: HKA; Subkey: "Software\Classes\{#ProgId}\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: """{app}\dgenerate.ico"",0"; Tasks: associate
Root: HKA; Subkey: "Software\Classes\{#ProgId}\shell"; ValueType: string; ValueName: ""; ValueData: "open"; Tasks: associate
Root: HKA; Subkey: "Software\Classes\{#ProgId}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#ConsoleExe}"" ""%1"""; Tasks: associate
Root: HKA; Subkey: "Software\Classes\{#ProgId}\shell\edit"; ValueType: string; ValueName: ""; ValueData: "&Edit"; Tasks: associate
Root: HKA; Subkey: "Software\Classes\{#ProgId}\shell\edit\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#ConsoleExe}"" ""%1"""; Tasks: associate
Root: HKA; Subkey: "Software\Classes\{#ProgId}\shell\run"; ValueType: string; ValueName: ""; ValueData: "&Run"; Tasks: associate
Root: HKA; Subkey: "Software\Classes\{#ProgId}\shell\run\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#ConsoleExe}"" --run ""%1"""; Tasks: associate
Root: HKA; Subkey: "Software\Classes\Applications\{#ConsoleExe}\SupportedTypes"; ValueType: string; ValueName: ".dgen"; ValueData: ""; Flags: uninsdeletekey
; optional PATH entry (per user); removed again by the uninstaller (see [Code])
Root: HKCU; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Tasks: addtopath; Check: NeedsAddPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\{#ConsoleExe}"; Description: "Start the Dgenerate Console"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; files the program wrote into its own folder (byte-code caches, logs)
Type: filesandordirs; Name: "{app}"

[Code]
function NeedsAddPath(Dir: string): Boolean;
var
  Paths: string;
begin
  if not RegQueryStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Paths) then
  begin
    Result := True;
    exit;
  end;
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Paths) + ';') = 0;
end;

procedure RemovePath(Dir: string);
var
  Paths: string;
  P: Integer;
begin
  if not RegQueryStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Paths) then
    exit;
  P := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Paths) + ';');
  if P = 0 then
    exit;
  { P is the position in ';' + Paths + ';': the entry starts at P in Paths (after its ';') }
  if P > 1 then
    Delete(Paths, P - 1, Length(Dir) + 1)
  else
    Delete(Paths, 1, Length(Dir) + 1);
  RegWriteExpandStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Paths);
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usPostUninstall then
    RemovePath(ExpandConstant('{app}'));
end;
