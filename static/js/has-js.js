/* Marks the page as scripted before it is drawn, so styles for "js" pages apply without a flash.
   A file of its own, loaded without defer: the Content-Security-Policy allows no inline script. */
document.documentElement.className += " js";
